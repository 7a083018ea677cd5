//! The command inputs of `dp_app::input` against the contract this front serves: every field
//! of every create schema is read, and written back as the contract names it.

#[cfg(test)]
mod tests {
    use crate::json::{CONTRACT, parse_body};
    use dp_app::input::*;
    use std::collections::BTreeSet;

    /// A body that uses every field of every create schema, with case variations.
    const RICH: &str = include_str!("serviceowner/create_dialog_rich.json");

    fn contract_schema(name: &str) -> BTreeSet<String> {
        let contract: serde_json::Value =
            serde_json::from_str(CONTRACT.trim_start_matches('\u{feff}')).expect("contract");
        contract["components"]["schemas"][name]["properties"]
            .as_object()
            .expect(name)
            .keys()
            .cloned()
            .collect()
    }

    fn keys(value: &serde_json::Value) -> BTreeSet<String> {
        value.as_object().expect("object").keys().cloned().collect()
    }

    #[test]
    fn a_rich_body_round_trips_and_covers_every_contract_property() {
        let dialog: CreateDialog = parse_body(RICH.as_bytes()).expect("the rich body parses");
        let written = serde_json::to_value(&dialog).expect("serializable");
        let prefix = "V1ServiceOwnerDialogsCommandsCreate_";
        assert_eq!(keys(&written), contract_schema(&format!("{prefix}Dialog")));
        let transmission = &written["transmissions"][0];
        assert_eq!(
            keys(transmission),
            contract_schema(&format!("{prefix}Transmission"))
        );
        assert_eq!(
            keys(&transmission["content"]),
            contract_schema(&format!("{prefix}TransmissionContent"))
        );
        assert_eq!(
            keys(&transmission["navigationalActions"][0]),
            contract_schema(&format!("{prefix}TransmissionNavigationalAction"))
        );
        assert_eq!(
            keys(&written["content"]),
            contract_schema(&format!("{prefix}Content"))
        );
        assert_eq!(
            keys(&written["guiActions"][0]),
            contract_schema(&format!("{prefix}GuiAction"))
        );
        assert_eq!(
            keys(&written["apiActions"][0]),
            contract_schema(&format!("{prefix}ApiAction"))
        );
        assert_eq!(
            keys(&written["apiActions"][0]["endpoints"][0]),
            contract_schema(&format!("{prefix}ApiActionEndpoint"))
        );
        assert_eq!(
            keys(&written["activities"][0]),
            contract_schema(&format!("{prefix}Activity"))
        );
        assert_eq!(
            keys(&written["attachments"][0]),
            contract_schema(&format!("{prefix}Attachment"))
        );
        assert_eq!(
            keys(&written["attachments"][0]["urls"][0]),
            contract_schema(&format!("{prefix}AttachmentUrl"))
        );
        assert_eq!(
            keys(&written["activities"][0]["performedBy"]),
            contract_schema("V1ServiceOwnerCommonActors_Actor")
        );
        // Timestamps come back in the contract's form.
        assert_eq!(written["dueAt"], "2031-01-01T12:00:00.0000000Z");
        // And the written form parses to the same value.
        let again: CreateDialog = parse_body(written.to_string().as_bytes()).expect("re-parsed");
        assert_eq!(again, dialog);
    }
}
