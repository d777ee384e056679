// SigndSystemd — placeholder, replaced by its owner.
