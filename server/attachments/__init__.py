"""Documents in conversations: recognised by content, encrypted at rest, served to the two participants."""
