//! Sandboxed rhai formulas that turn a metric's units into points.
//!
//! A script sees only the values it is handed (`units`, `max_points`, its `params` and, in a combined metric,
//! each part's units by the part's id) and returns a decimal. The engine
//! it runs in has no packages for files, network, clock or printing, strict variables, and limits on
//! operations, call depth, expression depth and string, array and map sizes, so a runaway script
//! stops with an error instead of hanging. Literals are exact decimals (`no_float`): `6 * 3.3` is `19.8`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rhai::packages::{ArithmeticPackage, BasicMathPackage, LogicPackage, Package};
use rhai::{Dynamic, Engine, EvalAltResult, Position, Scope, AST, INT};
use rust_decimal::{Decimal, MathematicalOps, RoundingStrategy};

use crate::codes;
use crate::error::{Error, Located};

/// Operations a single script run may take before it is stopped.
const MAX_OPERATIONS: u64 = 200_000;

/// The longest script the sandbox compiles, in bytes. rhai's parser slows down sharply on huge scripts (a
/// 100,000-case `switch` took more than 20 seconds), and every command loads the rules; a points formula is
/// a few lines (the shipped ones are under 1 KiB).
pub const MAX_SCRIPT_BYTES: usize = 32 * 1024;

/// The most results a script keeps (see [`Script::run_memo`]); past it, runs are no longer kept. A result is a
/// few dozen bytes, so this bounds a script's memo at a few megabytes whatever the portfolio.
pub const MEMO_ENTRIES: usize = 65_536;

/// A compiled formula and the file it came from.
#[derive(Clone)]
pub struct Script {
    pub file: String,
    engine: Arc<Engine>,
    ast: Arc<AST>,
    /// Results by exact inputs, shared by the clones of one compiled script (see [`Script::run_memo`]).
    memo: Arc<Mutex<(Memo, usize)>>,
}

/// A script's results by the key of its inputs ([`inputs_key`]), each with the inputs it was computed from: names,
/// and decimals as their 16 bytes (mantissa, scale and sign, so `1.5`, `1.50` and `-0` are each their own input).
/// Beside it in the mutex, how many results it holds.
type Memo = HashMap<u64, Vec<(Vec<(Box<str>, [u8; 16])>, Decimal)>>;

/// One step of a multiplicative hash (the one rustc's own hash maps use): cheap, and well spread for keys that
/// are matched in full anyway.
fn mix(h: u64, word: u64) -> u64 {
    (h.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
}

/// The key of a script's inputs in its memo: the names' lengths and first bytes and the decimals' 16 bytes,
/// mixed. Inputs that share a key are told apart by comparing them in full.
fn inputs_key(inputs: &[(&str, Decimal)]) -> u64 {
    inputs.iter().fold(0, |h, (name, value)| {
        let head = name.bytes().take(8).fold(name.len() as u64, |h, b| h << 8 | u64::from(b));
        let bytes = value.serialize();
        let (low, high) = bytes.split_at(8);
        let word = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap_or_default());
        mix(mix(mix(h, head), word(low)), word(high))
    })
}

impl std::fmt::Debug for Script {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.debug_struct("Script").field("file", &self.file).finish()
    }
}

/// The sandboxed engine every script of a rule set shares.
pub fn sandbox() -> Engine {
    let mut engine = Engine::new_raw();
    engine.register_global_module(ArithmeticPackage::new().as_shared_module());
    engine.register_global_module(LogicPackage::new().as_shared_module());
    engine.register_global_module(BasicMathPackage::new().as_shared_module());
    engine
        .set_max_operations(MAX_OPERATIONS)
        .set_max_call_levels(16)
        .set_max_expr_depths(64, 32)
        .set_max_string_size(4_096)
        .set_max_array_size(1_024)
        .set_max_map_size(256)
        .set_max_functions(64)
        .set_max_variables(256)
        .set_strict_variables(true);
    // `eval` would compile code at run time, outside the limits checked at load: not allowed.
    engine.disable_symbol("eval");
    engine.on_print(|_| {});
    engine.on_debug(|_, _, _| {});
    engine.register_fn("min", |a: Decimal, b: Decimal| a.min(b));
    engine.register_fn("max", |a: Decimal, b: Decimal| a.max(b));
    engine.register_fn("min", |a: INT, b: Decimal| Decimal::from(a).min(b));
    engine.register_fn("min", |a: Decimal, b: INT| a.min(Decimal::from(b)));
    engine.register_fn("max", |a: INT, b: Decimal| Decimal::from(a).max(b));
    engine.register_fn("max", |a: Decimal, b: INT| a.max(Decimal::from(b)));
    engine.register_fn("round_half_up", |x: Decimal, places: INT| {
        x.round_dp_with_strategy(places.clamp(0, 28) as u32, RoundingStrategy::MidpointAwayFromZero)
    });
    engine.register_fn("floor", |x: Decimal| x.floor());
    // rhai's own `sin`, `cos` and `tan` panic where rust_decimal has no answer (tan near pi/2), which would
    // take a whole portfolio down. Functions registered here are found before the packages' ones.
    engine.register_fn("sin", |x: Decimal| checked_math("sin", x, x.checked_sin()));
    engine.register_fn("cos", |x: Decimal| checked_math("cos", x, x.checked_cos()));
    engine.register_fn("tan", |x: Decimal| checked_math("tan", x, x.checked_tan()));
    engine
}

/// A math function's result, or a script error saying it has no decimal answer.
fn checked_math(name: &str, x: Decimal, result: Option<Decimal>) -> Result<Decimal, Box<EvalAltResult>> {
    result.ok_or_else(|| format!("{name}({x}) has no decimal answer").into())
}

impl Script {
    /// Compiles the script at `path` for the given input names; `shown` names it in messages.
    ///
    /// Variables are strict: a script that reads a name not among `inputs` (and not its own) does not compile.
    pub fn compile(engine: &Arc<Engine>, path: &Path, shown: &str, inputs: &[String]) -> Result<Script, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::new(Located::file(shown), format!("cannot read script: {e}")).with_code(codes::SCRIPT_NOT_FOUND)
        })?;
        Script::compile_text(engine, &text, shown, inputs)
    }

    /// Compiles a script's text, already read (the rule compiler reads every file of a rule set once, so that
    /// what it compiles is what its digest covers); `shown` names the file in messages.
    pub fn compile_text(engine: &Arc<Engine>, text: &str, shown: &str, inputs: &[String]) -> Result<Script, Error> {
        if text.len() > MAX_SCRIPT_BYTES {
            return Err(Error::new(
                Located::file(shown),
                format!("script is {} bytes, more than the {MAX_SCRIPT_BYTES} a script may have", text.len()),
            )
            .with_hint("a points formula should be a few lines; pass tables of numbers as params")
            .with_code(codes::SCRIPT_TOO_LONG));
        }
        // Declared as plain variables: constants here would be folded into the compiled script by the optimizer.
        let mut scope = Scope::new();
        for name in inputs {
            scope.push(name.as_str(), Dynamic::from_decimal(Decimal::ZERO));
        }
        let ast = engine.compile_with_scope(&scope, text).map_err(|e| {
            let place = located(shown, e.position());
            let mut err = Error::new(place, format!("script does not compile: {}", e.err_type()))
                .with_code(codes::SCRIPT_DOES_NOT_COMPILE);
            if matches!(e.err_type(), rhai::ParseErrorType::VariableUndefined(_)) {
                err = err.with_hint(format!("the script can read: {}", inputs.join(", ")));
            }
            err
        })?;
        Ok(Script { file: shown.to_owned(), engine: Arc::clone(engine), ast: Arc::new(ast), memo: Default::default() })
    }

    /// [`Script::run`], or the result an earlier run on exactly the same inputs gave (issue 15: the months of the
    /// window and the partners of a portfolio give a formula the same few inputs over and over).
    ///
    /// A script is a pure function of its inputs: the sandbox has no clock, files, randomness or state kept
    /// between runs, so the result it gives once is the one it would give again. Inputs are matched exactly:
    /// the same names in the same order, each decimal to the bit. A run that fails is not kept, so each failure
    /// is reported with its own `context` (written only when the script runs).
    pub fn run_memo(&self, inputs: &[(&str, Decimal)], context: impl FnOnce() -> String) -> Result<Decimal, Error> {
        let key = inputs_key(inputs);
        let same = |kept: &[(Box<str>, [u8; 16])]| {
            kept.len() == inputs.len()
                && kept.iter().zip(inputs).all(|((a, x), (b, y))| **a == **b && *x == y.serialize())
        };
        let memo = || self.memo.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, result)) = memo().0.get(&key).and_then(|runs| runs.iter().find(|(kept, _)| same(kept))) {
            return Ok(*result);
        }
        let owned: Vec<(String, Decimal)> = inputs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
        let result = self.run(&owned, &context())?;
        let mut memo = memo();
        let (runs, held) = &mut *memo;
        if *held < MEMO_ENTRIES {
            let kept: Vec<(Box<str>, [u8; 16])> = inputs.iter().map(|(k, v)| (Box::from(*k), v.serialize())).collect();
            let bucket = runs.entry(key).or_default();
            // Another thread may have run the same inputs meanwhile: a result is kept once.
            if !bucket.iter().any(|(k, _)| same(k)) {
                bucket.push((kept, result));
                *held += 1;
            }
        }
        Ok(result)
    }

    /// How many results [`Script::run_memo`] holds, for all the clones of this compiled script.
    pub fn memo_len(&self) -> usize {
        self.memo.lock().unwrap_or_else(std::sync::PoisonError::into_inner).1
    }

    /// Runs the script with the given named decimals in scope and returns the decimal it evaluates to.
    /// `context` says what the run was for in error messages, e.g. `scoring partner "fabrikam"`.
    pub fn run(&self, inputs: &[(String, Decimal)], context: &str) -> Result<Decimal, Error> {
        let mut scope = Scope::new();
        for (name, value) in inputs {
            scope.push_constant(name.as_str(), Dynamic::from_decimal(*value));
        }
        let result = self
            .engine
            .eval_ast_with_scope::<Dynamic>(&mut scope, &self.ast)
            .map_err(|e| self.runtime_error(&e, context))?;
        if let Some(d) = result.clone().try_cast::<Decimal>() {
            return Ok(d.normalize());
        }
        if let Some(i) = result.clone().try_cast::<INT>() {
            return Ok(Decimal::from(i));
        }
        Err(Error::new(
            Located::file(&self.file),
            format!("script returned {} instead of a number ({context})", result.type_name()),
        )
        .with_code(codes::SCRIPT_RUN_FAILS))
    }

    fn runtime_error(&self, e: &EvalAltResult, context: &str) -> Error {
        let detail = match e {
            EvalAltResult::ErrorTooManyOperations(_) => {
                format!("script stopped after {MAX_OPERATIONS} operations (an endless loop?)")
            }
            EvalAltResult::ErrorRuntime(value, _) => format!("script failed: {value}"),
            other => format!("script failed: {}", other.to_string().split(" (line ").next().unwrap_or_default()),
        };
        Error::new(located(&self.file, e.position()), format!("{detail} ({context})"))
            .with_code(codes::SCRIPT_RUN_FAILS)
    }
}

fn located(file: &str, pos: Position) -> Located {
    match (pos.line(), pos.position()) {
        (Some(line), Some(col)) => Located::at(file, line, col),
        (Some(line), None) => Located::at(file, line, 1),
        _ => Located::file(file),
    }
}
