//! The closed vocabularies of the file formats, each declared once: usage measures, associations, clouds,
//! customer segments and metric categories.
//!
//! One declaration gives each set its Rust enum, its serde names (how partner files spell it, so a misspelling
//! is refused by the parser with the list of names), its JSON Schema (for `designate schema` and editors), and
//! the list of its names for the messages and hints of the rule compiler. Offers are not a closed set: a usage
//! row names any offer, and a selection's `exclude_offers` matches them as text.

/// Declares one closed vocabulary: the enum, its file names, `ALL`, `name`, `parse` and `names`.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident as $schema:literal { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Deserialize, serde::Serialize, schemars::JsonSchema,
        )]
        #[schemars(rename = $schema)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every value, in declaration order (`value as usize` indexes it).
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The name files use.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The value a file name stands for, exactly as written (callers trim or lower-case first).
            pub fn parse(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// Every name, in declaration order, for messages and hints.
            pub fn names() -> impl Iterator<Item = &'static str> + Clone {
                Self::ALL.iter().map(|v| v.name())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}
/// Other closed sets of names the tool writes (the evidence's item types) are declared with it too.
pub(crate) use vocabulary;

vocabulary! {
    /// What a usage row measures.
    Measure as "MeasureName" {
        AcrUsd = "acr_usd",
        RevenueUsd = "revenue_usd",
        PaidSeats = "paid_seats",
        ActiveUsers = "active_users",
        ProtectedUsers = "protected_users",
        Capacity = "capacity",
    }
}

impl Measure {
    /// True for measures that are amounts of money (shown as `USD 1,200.50`).
    pub fn is_money(self) -> bool {
        matches!(self, Measure::AcrUsd | Measure::RevenueUsd)
    }
}

vocabulary! {
    /// How the partner is associated with a customer's usage.
    Association as "AssociationName" {
        Pal = "pal",
        Dpor = "dpor",
        Csp = "csp",
        Cpor = "cpor",
    }
}

vocabulary! {
    /// The cloud a usage row's subscription lives in (a row without one is `public`).
    Cloud as "CloudName" {
        Public = "public",
        China = "china",
        Government = "government",
        Sovereign = "sovereign",
    }
}

vocabulary! {
    /// A customer's segment.
    Segment as "SegmentName" {
        Smb = "smb",
        Smc = "smc",
        Enterprise = "enterprise",
    }
}

vocabulary! {
    /// What a metric counts toward, as Microsoft groups them.
    Category as "Category" {
        Performance = "performance",
        Skilling = "skilling",
        CustomerSuccess = "customer-success",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names a partner file or rule file writes read back as the same value, through serde and `parse`.
    #[test]
    fn every_name_reads_back_through_serde_and_parse() {
        fn check<T: Copy + PartialEq + std::fmt::Debug + serde::de::DeserializeOwned>(
            all: &[T],
            name: fn(T) -> &'static str,
            parse: fn(&str) -> Option<T>,
        ) {
            for v in all {
                assert_eq!(parse(name(*v)), Some(*v));
                let read: T = serde_json::from_value(serde_json::Value::String(name(*v).into())).unwrap();
                assert_eq!(read, *v);
            }
        }
        check(Measure::ALL, Measure::name, Measure::parse);
        check(Association::ALL, Association::name, Association::parse);
        check(Segment::ALL, Segment::name, Segment::parse);
        check(Cloud::ALL, Cloud::name, Cloud::parse);
        check(Category::ALL, Category::name, Category::parse);
        assert_eq!(
            Measure::names().collect::<Vec<_>>().join(", "),
            "acr_usd, revenue_usd, paid_seats, active_users, protected_users, capacity"
        );
    }
}
