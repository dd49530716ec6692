"""The district hub (区级平台): FastAPI over PostgreSQL, collecting centres' work and sending back decisions."""
