/* version: spoke's version, in one place (the CLI prints it, every change event carries it). */
#ifndef SPOKE_VERSION_H
#define SPOKE_VERSION_H

#define SPOKE_VERSION "0.1.0"

#endif
