# Rules of the focus_groups stage (being written).
