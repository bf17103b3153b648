#!/usr/bin/env bash
echo PASS
