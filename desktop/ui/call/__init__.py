"""The call screen: video surfaces, the call window, its presenter, and the feature's controller."""
