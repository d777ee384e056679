// SigndConfig — placeholder, replaced by its owner.
