// The not-found page: says how to reach the site's brand (its contact number), if it has one.
import { byId, showContact } from './common.js';

showContact(byId('contact'));
