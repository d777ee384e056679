// SigndWindows — placeholder, replaced by its owner.
