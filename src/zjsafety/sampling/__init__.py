"""Supervision draws (双随机、一公开): takes the database, a scope, a level and a seed; gives the
enterprises and inspectors to send, a chained record anyone can verify, and the papers."""
