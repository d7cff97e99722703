"""The referral feature's pages, one module per story."""
