"""What every part of the client uses, below the services and the features: no Qt, no I/O of its own."""
