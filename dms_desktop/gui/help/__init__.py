"""The user guide: bundled Markdown pages plus a CLI reference generated from the parser."""
