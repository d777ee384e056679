// SigndEvents — placeholder, replaced by its owner.
