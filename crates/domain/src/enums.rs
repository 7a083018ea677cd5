//! The contract's enumerations (`components.schemas` with `enum`), as closed Rust enums.
//!
//! On the wire they are strings in the contract's spelling; input is matched
//! case-insensitively, as .NET's `JsonStringEnumConverter` does (`"notApplicable"`,
//! `"serviceOwner"`, `"gui"` are all accepted). An unknown value names the accepted ones.

/// Declares a contract enum with its wire names, `as_str`, `parse` and serde impls.
macro_rules! contract_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The contract's spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire),+
                }
            }

            /// Case-insensitive parse of the wire name.
            pub fn parse(value: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(value))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Self::parse(&text).ok_or_else(|| {
                    let accepted: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    serde::de::Error::custom(format!(
                        "'{text}' is not a valid {}. Accepted values: {}",
                        stringify!($name),
                        accepted.join(", ")
                    ))
                })
            }
        }
    };
}

contract_enum!(
    /// `Actors_ActorType`
    ActorType { PartyRepresentative => "PartyRepresentative", ServiceOwner => "ServiceOwner" }
);
contract_enum!(
    /// `Attachments_AttachmentUrlConsumerType`
    AttachmentUrlConsumerType { Gui => "Gui", Api => "Api" }
);
contract_enum!(
    /// `DialogEndUserContextsEntities_SystemLabel`
    SystemLabel {
        Default => "Default",
        Bin => "Bin",
        Archive => "Archive",
        MarkedAsUnopened => "MarkedAsUnopened",
        Sent => "Sent",
    }
);
contract_enum!(
    /// `DialogsEntities_DialogStatus` (output)
    DialogStatus {
        InProgress => "InProgress",
        Draft => "Draft",
        RequiresAttention => "RequiresAttention",
        Completed => "Completed",
        NotApplicable => "NotApplicable",
        Awaiting => "Awaiting",
    }
);
contract_enum!(
    /// `V1ServiceOwnerCommonDialogStatuses_DialogStatusInput` (input; `New` and `Sent` are
    /// legacy values the real service maps on input)
    DialogStatusInput {
        New => "New",
        InProgress => "InProgress",
        Draft => "Draft",
        Sent => "Sent",
        RequiresAttention => "RequiresAttention",
        Completed => "Completed",
        NotApplicable => "NotApplicable",
        Awaiting => "Awaiting",
    }
);
contract_enum!(
    /// `DialogsEntitiesActions_DialogGuiActionPriority`
    GuiActionPriority { Primary => "Primary", Secondary => "Secondary", Tertiary => "Tertiary" }
);
contract_enum!(
    /// `DialogsEntitiesActivities_DialogActivityType`
    ActivityType {
        DialogCreated => "DialogCreated",
        DialogClosed => "DialogClosed",
        Information => "Information",
        TransmissionOpened => "TransmissionOpened",
        PaymentMade => "PaymentMade",
        SignatureProvided => "SignatureProvided",
        DialogOpened => "DialogOpened",
        DialogDeleted => "DialogDeleted",
        DialogRestored => "DialogRestored",
        SentToSigning => "SentToSigning",
        SentToFormFill => "SentToFormFill",
        SentToSendIn => "SentToSendIn",
        SentToPayment => "SentToPayment",
        FormSubmitted => "FormSubmitted",
        FormSaved => "FormSaved",
        CorrespondenceOpened => "CorrespondenceOpened",
        CorrespondenceConfirmed => "CorrespondenceConfirmed",
    }
);
contract_enum!(
    /// `DialogsEntitiesTransmissions_DialogTransmissionType`
    TransmissionType {
        Information => "Information",
        Acceptance => "Acceptance",
        Rejection => "Rejection",
        Request => "Request",
        Alert => "Alert",
        Decision => "Decision",
        Submission => "Submission",
        Correction => "Correction",
    }
);
contract_enum!(
    /// `Http_HttpVerb`
    HttpVerb {
        Get => "GET",
        Post => "POST",
        Put => "PUT",
        Patch => "PATCH",
        Delete => "DELETE",
        Head => "HEAD",
        Options => "OPTIONS",
        Trace => "TRACE",
        Connect => "CONNECT",
    }
);
contract_enum!(
    /// `V1Common_DeletedFilter`
    DeletedFilter { Exclude => "Exclude", Include => "Include", Only => "Only" }
);
contract_enum!(
    /// `V1CommonIdentifierLookup_IdentifierLookupGrantType`
    IdentifierLookupGrantType {
        Role => "Role",
        AccessPackage => "AccessPackage",
        ResourceDelegation => "ResourceDelegation",
        InstanceDelegation => "InstanceDelegation",
    }
);
contract_enum!(
    /// `V1ServiceOwnerDialogsQueriesNotificationCondition_NotificationConditionType`
    NotificationConditionType { NotExists => "NotExists", Exists => "Exists" }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_case_insensitively_and_written_as_the_contract_spells_them() {
        let status: DialogStatusInput = serde_json::from_str("\"notApplicable\"").expect("valid");
        assert_eq!(status, DialogStatusInput::NotApplicable);
        assert_eq!(
            serde_json::to_string(&status).expect("json"),
            "\"NotApplicable\""
        );
        assert_eq!(
            serde_json::from_str::<ActorType>("\"serviceOwner\"").ok(),
            Some(ActorType::ServiceOwner)
        );
        assert_eq!(
            serde_json::from_str::<AttachmentUrlConsumerType>("\"gui\"").ok(),
            Some(AttachmentUrlConsumerType::Gui)
        );
        assert_eq!(
            serde_json::from_str::<HttpVerb>("\"post\"").ok(),
            Some(HttpVerb::Post)
        );
        let error = serde_json::from_str::<TransmissionType>("\"Nope\"").expect_err("unknown");
        assert!(
            error
                .to_string()
                .contains("Accepted values: Information, Acceptance"),
            "{error}"
        );
    }

    /// Every enum of the contract is here, with exactly the contract's values.
    #[test]
    fn the_enums_match_the_contract() {
        let contract: serde_json::Value = serde_json::from_str(
            include_str!("../../../contract/dialogporten-v1.openapi.json")
                .trim_start_matches('\u{feff}'),
        )
        .expect("the contract parses");
        let ours: Vec<(&str, Vec<&str>)> = vec![
            (
                "Actors_ActorType",
                ActorType::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            (
                "Attachments_AttachmentUrlConsumerType",
                AttachmentUrlConsumerType::ALL
                    .iter()
                    .map(|v| v.as_str())
                    .collect(),
            ),
            (
                "DialogEndUserContextsEntities_SystemLabel",
                SystemLabel::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            (
                "DialogsEntities_DialogStatus",
                DialogStatus::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            (
                "DialogsEntitiesActions_DialogGuiActionPriority",
                GuiActionPriority::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            (
                "DialogsEntitiesActivities_DialogActivityType",
                ActivityType::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            (
                "DialogsEntitiesTransmissions_DialogTransmissionType",
                TransmissionType::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            (
                "Http_HttpVerb",
                HttpVerb::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            (
                "V1Common_DeletedFilter",
                DeletedFilter::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            (
                "V1CommonIdentifierLookup_IdentifierLookupGrantType",
                IdentifierLookupGrantType::ALL
                    .iter()
                    .map(|v| v.as_str())
                    .collect(),
            ),
            (
                "V1ServiceOwnerCommonDialogStatuses_DialogStatusInput",
                DialogStatusInput::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            (
                "V1ServiceOwnerDialogsQueriesNotificationCondition_NotificationConditionType",
                NotificationConditionType::ALL
                    .iter()
                    .map(|v| v.as_str())
                    .collect(),
            ),
        ];
        let schemas = contract["components"]["schemas"]
            .as_object()
            .expect("schemas");
        let in_contract: Vec<&String> = schemas
            .iter()
            .filter(|(_, s)| s.get("enum").is_some())
            .map(|(k, _)| k)
            .collect();
        assert_eq!(
            in_contract.len(),
            ours.len(),
            "every contract enum is modelled"
        );
        for (name, values) in ours {
            let expected: Vec<&str> = schemas[name]["enum"]
                .as_array()
                .expect(name)
                .iter()
                .filter_map(|v| v.as_str())
                .collect();
            assert_eq!(values, expected, "{name}");
        }
    }
}
