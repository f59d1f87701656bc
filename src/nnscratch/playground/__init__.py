"""``nnscratch playground``: watch the engine train a network, live, in the browser.

A local web app (server.py) streams frames of the real engine's training (session.py) to a
hand-written page (static/): the decision surface, every neuron, the network, the curves and the
equations. Modules: caps (settings and limits), data, frames (what a frame shows), protocol (the
wire format), session (the training thread), handlers (the messages), exports, server.
"""

from nnscratch.playground.server import BackgroundServer, bind, create_app, make_server

__all__ = ["BackgroundServer", "bind", "create_app", "make_server"]
