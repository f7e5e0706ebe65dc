"""Client extranet: each contact sees only their own organisation's requests.

Models arrive with the feature; this module exists so the app is a regular Django app."""
