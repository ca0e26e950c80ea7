"""Gettext catalogs and the internationalisation runtime."""
