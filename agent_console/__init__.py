"""The agent console's server side (/agent and /insights on the chat page's server): agents'
sign-in and sessions, their queues, claims, replies and resolutions, and the Rasa server's
HTTP API that pauses the conversation and carries the agent's messages to the customer."""
