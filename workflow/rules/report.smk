# Rules of the report stage (being written).
