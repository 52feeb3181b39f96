//! Built-in app presets: JSON files under `presets/` (Graph schema shape plus metadata:
//! tenant URL template, auth kind, notes, sources, capabilities), embedded at build time.

use crate::mapping::Mapping;

/// One built-in preset.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    /// Name used on the command line (`--preset webex`).
    pub name: &'static str,
    /// The JSON file.
    pub json: &'static str,
}

/// Every built-in preset, by name.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "chatwork",
        json: include_str!("../../presets/chatwork.json"),
    },
    Preset {
        name: "generic",
        json: include_str!("../../presets/generic.json"),
    },
    Preset {
        name: "genesys",
        json: include_str!("../../presets/genesys.json"),
    },
    Preset {
        name: "timeclock365",
        json: include_str!("../../presets/timeclock365.json"),
    },
    Preset {
        name: "webex",
        json: include_str!("../../presets/webex.json"),
    },
];

/// Finds a preset by name (case-insensitive).
pub fn find(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name.eq_ignore_ascii_case(name))
}

/// Loads a built-in preset by name (case-insensitive).
///
/// # Errors
/// No preset has that name (the message lists the built-in ones), or its file is malformed.
pub fn load(name: &str) -> Result<Mapping, String> {
    match find(name) {
        Some(p) => p.load(),
        None => Err(format!(
            "unknown preset `{name}` (built-in: {})",
            PRESETS
                .iter()
                .map(|p| p.name)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

impl Preset {
    /// Loads the preset.
    ///
    /// # Errors
    /// The embedded file is malformed (a build defect; tests load every preset).
    pub fn load(&self) -> Result<Mapping, String> {
        Mapping::from_str_json(self.json)
    }
}
