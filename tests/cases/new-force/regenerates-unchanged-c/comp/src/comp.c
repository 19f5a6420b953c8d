// the stub of an older world, as wcomp new wrote it
