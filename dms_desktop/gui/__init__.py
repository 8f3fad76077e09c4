"""The Qt desktop front end. Only this package (and the tray) imports Qt."""
