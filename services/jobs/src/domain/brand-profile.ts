import { type Brand, smsConsentWording } from '@qdn/shared/brands';

/** What the public pages may know about a brand: never its Twilio sender or backup team numbers. */
export interface BrandProfile {
  brandId: string;
  displayName: string;
  siteBaseUrl: string;
  timeZone: string;
  windows: Brand['windows'];
  serviceTypes: Brand['serviceTypes'];
  /** The console's late/watch colours for this brand's jobs. */
  sla: Brand['sla'];
  theme: Brand['theme'];
  /** The words beside the booking form's consent checkbox, exactly as the consent record keeps them. */
  smsConsentWording: string;
  /** Where customers call or text the brand (its pages show it, the not-found pages too). */
  contactPhone?: string;
  /** How the booking form lets customers pay (methods, the card deposit's share, the Zelle recipient). */
  payments: Brand['payments'];
}

export function brandProfile(brand: Brand): BrandProfile {
  return {
    brandId: brand.brandId,
    displayName: brand.displayName,
    siteBaseUrl: brand.siteBaseUrl,
    timeZone: brand.timeZone,
    windows: brand.windows,
    serviceTypes: brand.serviceTypes,
    sla: brand.sla,
    theme: brand.theme,
    smsConsentWording: smsConsentWording(brand),
    ...(brand.contactPhone ? { contactPhone: brand.contactPhone } : {}),
    payments: brand.payments,
  };
}
