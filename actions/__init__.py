"""Custom actions of the Brightcart support assistant (imported whole by rasa-sdk)."""
