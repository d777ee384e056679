// SigndCapture — placeholder, replaced by its owner.
