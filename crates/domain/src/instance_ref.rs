//! Instance references (api.md §4.8, authz.md §3.4): how Altinn names a dialog or the app
//! instance / correspondence behind it. `urn:altinn:dialog-id:<uuid>`,
//! `urn:altinn:instance-id:<partyId>/<uuid>` (also written `urn:altinn:integration:storage:…`)
//! and `urn:altinn:correspondence-id:<uuid>`.

use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstanceRef {
    Dialog(Uuid),
    /// An app instance or correspondence, carried by the dialog as a service-owner label;
    /// app instances always in the `urn:altinn:instance-id:` spelling, lower case.
    Labelled(String),
}

impl InstanceRef {
    /// Parses any accepted form, case-insensitively and ignoring surrounding blanks.
    pub fn parse(value: &str) -> Option<Self> {
        let lower = value.trim().to_lowercase();
        if let Some(id) = lower.strip_prefix("urn:altinn:dialog-id:") {
            return Uuid::parse_str(id).ok().map(Self::Dialog);
        }
        if let Some(id) = lower.strip_prefix("urn:altinn:correspondence-id:") {
            return Uuid::parse_str(id)
                .ok()
                .map(|_| Self::Labelled(lower.clone()));
        }
        for prefix in ["urn:altinn:instance-id:", "urn:altinn:integration:storage:"] {
            if let Some(rest) = lower.strip_prefix(prefix) {
                let (party, guid) = rest.split_once('/')?;
                party.parse::<i32>().ok().filter(|p| *p >= 0)?;
                Uuid::parse_str(guid).ok()?;
                return Some(Self::Labelled(format!("urn:altinn:instance-id:{rest}")));
            }
        }
        None
    }

    /// The reference in its canonical spelling.
    pub fn value(&self) -> String {
        match self {
            Self::Dialog(id) => format!("urn:altinn:dialog-id:{id}"),
            Self::Labelled(reference) => reference.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_parses_to_one_spelling() {
        let id = "0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c11";
        assert_eq!(
            InstanceRef::parse(&format!(" URN:altinn:dialog-id:{id} ")),
            Uuid::parse_str(id).ok().map(InstanceRef::Dialog)
        );
        let storage = InstanceRef::parse(&format!("urn:altinn:integration:storage:50001/{id}"));
        assert_eq!(
            storage.map(|r| r.value()).as_deref(),
            Some(format!("urn:altinn:instance-id:50001/{id}").as_str())
        );
        for bad in [
            "nonsense",
            "urn:altinn:dialog-id:x",
            "urn:altinn:instance-id:abc/0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c11",
            "urn:altinn:instance-id:50001",
            "urn:altinn:correspondence-id:1",
        ] {
            assert_eq!(InstanceRef::parse(bad), None, "{bad}");
        }
    }
}
