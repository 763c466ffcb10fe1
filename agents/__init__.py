"""Search agents behind one ask/tell interface."""
