"""Backtest lab: chain histories, engine, metrics, replay, walk-forward, overfitting statistics."""
