"""Video calls: the call of a conversation, its signaling relay, ICE servers."""
