"""Back-office views: thin wrappers reading through selectors and writing through services."""
