"""floorkeeper: the programme clock and speaker queue of a formal meeting."""
