//! Closed vocabularies (answer choices, statuses): one enum owns, for each
//! value, its code (the stable value of forms, JSON and the database), its
//! Chinese label and its place in the order the values are offered.

/// Declares such an enum: `Variant => ("code", "标签"),` per value, in
/// order. Serde reads and writes the code; `ALL`, `CHOICES`, `code()`,
/// `label()` and `from_code()` come with it.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$variant_meta:meta])* $variant:ident => ($code:literal, $label:literal),)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $($(#[$variant_meta])* #[serde(rename = $code)] $variant,)+
        }

        impl $name {
            /// Every value, in the order they are offered.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];
            /// `(code, label)` of every value, in order: a list of choices.
            pub const CHOICES: &'static [(&'static str, &'static str)] = &[$(($code, $label)),+];

            pub fn code(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)+
                }
            }

            pub fn label(self) -> &'static str {
                match self {
                    $(Self::$variant => $label,)+
                }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|value| value.code() == code)
            }
        }
    };
}

pub(crate) use vocabulary;

#[cfg(test)]
mod tests {
    vocabulary! {
        #[derive(Default)]
        enum Colour {
            #[default]
            Red => ("red", "红"),
            Deep => ("deep_blue", "深蓝"),
        }
    }

    #[test]
    fn codes_labels_order_and_serde_agree() {
        assert_eq!(Colour::ALL, &[Colour::Red, Colour::Deep]);
        assert_eq!(Colour::CHOICES, &[("red", "红"), ("deep_blue", "深蓝")]);
        assert_eq!(Colour::default(), Colour::Red);
        for colour in Colour::ALL {
            assert_eq!(Colour::from_code(colour.code()), Some(*colour));
            let json = serde_json::to_string(colour).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", colour.code()));
            assert_eq!(serde_json::from_str::<Colour>(&json).ok(), Some(*colour));
        }
        assert_eq!(Colour::from_code("blue"), None);
        assert_eq!(Colour::Deep.label(), "深蓝");
    }
}
