CREATE DATABASE motcua_test OWNER motcua;
