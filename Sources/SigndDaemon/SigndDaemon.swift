// SigndDaemon — placeholder, replaced by its owner.
