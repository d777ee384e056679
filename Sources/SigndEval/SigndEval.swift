// SigndEval — placeholder, replaced by its owner.
