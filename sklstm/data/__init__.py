"""Data files shipped with sklstm (read them through :mod:`sklstm.datasets`)."""
