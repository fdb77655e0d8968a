-- The image creates the shop database (POSTGRES_DB); conversations get their own.
CREATE DATABASE conversations;
