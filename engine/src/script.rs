//! Sandboxed rhai formulas that turn a metric's units into points.
//!
//! A script sees only the values it is handed (`units`, `max_points`, its `params` and, in a combined metric,
//! each part's units by the part's id) and returns a decimal. The engine
//! it runs in has no packages for files, network, clock or printing, strict variables, and limits on
//! operations, call depth, expression depth and string, array and map sizes, so a runaway script
//! stops with an error instead of hanging. Literals are exact decimals (`no_float`): `6 * 3.3` is `19.8`.

use std::path::Path;
use std::sync::Arc;

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

/// A compiled formula and the file it came from.
#[derive(Clone)]
pub struct Script {
    pub file: String,
    engine: Arc<Engine>,
    ast: Arc<AST>,
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
        Ok(Script { file: shown.to_owned(), engine: Arc::clone(engine), ast: Arc::new(ast) })
    }

    /// Which script this is, for memos: scripts compiled once share their syntax tree.
    pub fn id(&self) -> usize {
        Arc::as_ptr(&self.ast) as usize
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
