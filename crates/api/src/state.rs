//! What the dialog handlers share: the application's services (`dp_app::DialogState`).

pub use dp_app::DialogState;
