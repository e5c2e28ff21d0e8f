"""Public language of motcua: event envelope, codec, topics and one frozen model per public event type."""
