-- Enums, domains and arrays of them: resolved through the lookup (types.txt here).
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy', 'very "happy"');
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');
CREATE DOMAIN price AS numeric(10, 2);
CREATE DOMAIN small_posint AS posint CHECK (VALUE < 100);
CREATE TABLE customs (
	id int PRIMARY KEY,
	m mood, ms mood[], p posint, ps posint[], e email, pr price, sp small_posint
);
CREATE PUBLICATION cases FOR TABLE customs;
