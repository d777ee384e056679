// SigndLandmarks — placeholder, replaced by its owner.
