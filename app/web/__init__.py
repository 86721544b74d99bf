"""The room's screens: page routes and the static HTML, CSS and ES modules they load."""
