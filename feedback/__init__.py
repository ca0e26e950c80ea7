"""Open channels: concern and experience reports, receipts and replies, the free-text pipeline."""
