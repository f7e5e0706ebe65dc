"""On-call (astreinte): weekly rotation and out-of-hours paging.

Models arrive with the feature; this module exists so the app is a regular Django app."""
