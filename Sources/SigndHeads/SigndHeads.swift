// SigndHeads — placeholder, replaced by its owner.
