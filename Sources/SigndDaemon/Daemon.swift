// The frame loop lands once the events and landmark modules are merged.
