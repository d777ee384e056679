// SigndLiteRT — placeholder, replaced by its owner.
