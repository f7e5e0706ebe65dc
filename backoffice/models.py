"""Back-office screens read tickets through tickets.selectors and write through tickets.services."""
