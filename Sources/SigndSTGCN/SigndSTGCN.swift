// SigndSTGCN — placeholder, replaced by its owner.
