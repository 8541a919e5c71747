"""The catalogue's meaning: entry models, validation, the loaded catalogue and its identifiers."""
